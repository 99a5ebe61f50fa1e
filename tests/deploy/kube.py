"""Rendered Kubernetes manifests: rendering, pod templates, effective
environment, and what the NetworkPolicies let through."""
from __future__ import annotations

import subprocess
from dataclasses import dataclass
from functools import cache

import yaml

from tests.deploy.layout import K8S, tool


@cache
def kustomizations() -> tuple[str, ...]:
    """Every directory under deploy/k8s that builds (a Kustomization, not a Component)."""
    found = []
    for path in sorted(K8S.rglob("kustomization.yaml")):
        if yaml.safe_load(path.read_text()).get("kind", "Kustomization") == "Kustomization":
            found.append(path.parent.relative_to(K8S).as_posix())
    return tuple(found)


@cache
def render(kustomization: str) -> tuple[dict, ...]:
    result = subprocess.run(
        [tool("kubectl"), "kustomize", str(K8S / kustomization)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, f"kubectl kustomize {kustomization}: {result.stderr}"
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def of_kind(objects, kind: str) -> dict[str, dict]:
    return {item["metadata"]["name"]: item for item in objects if item["kind"] == kind}


def pod_template(workload: dict) -> dict:
    if workload["kind"] == "CronJob":
        return workload["spec"]["jobTemplate"]["spec"]["template"]
    return workload["spec"]["template"]


def workloads(objects) -> list[dict]:
    return [item for item in objects if item["kind"] in ("Deployment", "Job", "CronJob", "StatefulSet", "DaemonSet")]


def effective_env(container: dict, objects) -> dict[str, str]:
    """What the process sees: envFrom ConfigMaps first, then env (which wins).

    A value from a Secret is shown as `secret:<name>/<key>`.
    """
    config_maps = of_kind(objects, "ConfigMap")
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        ref = source.get("configMapRef")
        assert ref, f"only ConfigMaps are read whole into the environment: {source}"
        assert ref["name"] in config_maps, f"ConfigMap {ref['name']} is not rendered"
        env.update(config_maps[ref["name"]]["data"])
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = str(item["value"])
        else:
            ref = item["valueFrom"]["secretKeyRef"]
            env[item["name"]] = f"secret:{ref['name']}/{ref['key']}"
    return env


# -- NetworkPolicy evaluation -------------------------------------------------


@dataclass(frozen=True)
class Pod:
    namespace: str
    labels: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, namespace: str, labels: dict[str, str]) -> "Pod":
        return cls(namespace, tuple(sorted(labels.items())))

    @property
    def label_map(self) -> dict[str, str]:
        return dict(self.labels)


def selects(selector: dict | None, labels: dict[str, str]) -> bool:
    """A LabelSelector; an empty selector selects everything."""
    selector = selector or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def _peer_matches(peer: dict, policy_namespace: str, other: Pod, namespace_labels) -> bool:
    assert "ipBlock" not in peer, "ipBlock peers are not modelled here"
    if "namespaceSelector" in peer:
        if not selects(peer["namespaceSelector"], namespace_labels(other.namespace)):
            return False
    elif other.namespace != policy_namespace:
        return False
    return selects(peer.get("podSelector"), other.label_map)


def _port_matches(ports: list[dict] | None, port: int, protocol: str) -> bool:
    if not ports:
        return True
    return any(item.get("port") in (port, None) and item.get("protocol", "TCP") == protocol for item in ports)


def _allowed(policies, direction: str, pod: Pod, other: Pod, port: int, protocol: str, namespace_labels) -> bool:
    policy_type = {"ingress": "Ingress", "egress": "Egress"}[direction]
    peers_key = {"ingress": "from", "egress": "to"}[direction]
    applying = [
        policy for policy in policies
        if policy["metadata"]["namespace"] == pod.namespace
        and policy_type in policy["spec"].get("policyTypes", ["Ingress"])
        and selects(policy["spec"]["podSelector"], pod.label_map)
    ]
    if not applying:
        return True  # not isolated in this direction
    for policy in applying:
        for rule in policy["spec"].get(direction) or []:
            peers = rule.get(peers_key)
            peer_ok = not peers or any(
                _peer_matches(peer, policy["metadata"]["namespace"], other, namespace_labels) for peer in peers
            )
            # An egress port names the destination's port; so does an ingress port.
            if peer_ok and _port_matches(rule.get("ports"), port, protocol):
                return True
    return False


def connection_allowed(policies, source: Pod, destination: Pod, port: int, protocol: str = "TCP") -> bool:
    def namespace_labels(name: str) -> dict[str, str]:
        return {"kubernetes.io/metadata.name": name}

    return _allowed(policies, "egress", source, destination, port, protocol, namespace_labels) and _allowed(
        policies, "ingress", destination, source, port, protocol, namespace_labels
    )
