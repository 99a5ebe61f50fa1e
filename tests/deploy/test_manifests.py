"""deploy/k8s: every kustomization rendered by `kubectl kustomize`, every object
validated against the Kubernetes schemas, and the house rules checked.

Nothing here talks to a cluster: the operators' custom resources (CloudNativePG,
RabbitMQ) have no schema in kubernetes-validate, so their required fields are
checked by hand below.
"""
from __future__ import annotations

import math
import re
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml

from services.common.settings import SERVICES
from tests.deploy import kube
from tests.deploy.layout import (
    DEPLOY, GATEWAY_PORT, GRPC_CALLERS, GRPC_PORT, K8S, METRICS_PORT, QUEUE_SCALED, SECRET_EXAMPLE, grpc_service_names,
    validate_settings,
)

# The oldest Kubernetes the manifests are written for (the preStop sleep
# action is on by default from 1.30) and the newest the validator knows.
KUBERNETES_VERSIONS = ("1.30.0", kubernetes_validate.latest_version())
CUSTOM_RESOURCES = {
    ("postgresql.cnpg.io/v1", "Cluster"),
    ("postgresql.cnpg.io/v1", "Database"),
    ("rabbitmq.com/v1beta1", "RabbitmqCluster"),
}
APP = {"dev": "overlays/dev", "district": "overlays/district"}
MIGRATIONS = {"dev": "overlays/dev/migrations", "district": "overlays/district/migrations"}
DATASTORES = "overlays/district/datastores"
DEPLOYABLE = (*APP.values(), *MIGRATIONS.values(), DATASTORES)
PROCESSES = (*SERVICES, "gateway")
PLACEHOLDER = "REPLACE_ME"


def secret_examples() -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in yaml.safe_load_all(SECRET_EXAMPLE.read_text()) if doc}


def containers(workload: dict) -> list[dict]:
    spec = kube.pod_template(workload)["spec"]
    return [*spec.get("initContainers", []), *spec["containers"]]


def resolved(env: dict[str, str]) -> dict[str, str]:
    """Secret references replaced by the example Secret's value (placeholders filled in)."""
    examples = secret_examples()
    values = {}
    for name, value in env.items():
        if value.startswith("secret:"):
            secret, key = value.removeprefix("secret:").split("/")
            value = examples[secret]["stringData"][key].replace(PLACEHOLDER, "placeholder")
        values[name] = value
    return values


# -- rendering and schemas ----------------------------------------------------


def test_the_expected_kustomizations_exist():
    assert set(DEPLOYABLE) | {"base", "migrations"} <= set(kube.kustomizations())


@pytest.mark.parametrize("kustomization", kube.kustomizations())
def test_every_object_matches_the_kubernetes_schema(kustomization):
    objects = kube.render(kustomization)
    assert objects, f"{kustomization} renders nothing"
    problems = []
    for item in objects:
        if (item["apiVersion"], item["kind"]) in CUSTOM_RESOURCES:
            continue  # checked field by field in test_datastores_*
        for version in KUBERNETES_VERSIONS:
            try:
                kubernetes_validate.validate(item, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                path = ".".join(str(part) for part in error.path)
                problems.append(f"{item['kind']}/{item['metadata']['name']} ({version}) {path}: {error.message}")
            except kubernetes_validate.SchemaNotFoundError:
                problems.append(f"{item['apiVersion']} {item['kind']}: no schema and not a known custom resource")
    assert not problems, "\n".join(problems)


def test_the_secret_example_matches_the_kubernetes_schema():
    for item in secret_examples().values():
        for version in KUBERNETES_VERSIONS:
            kubernetes_validate.validate(item, version, strict=True)


# -- every pod: security, resources, image, environment ------------------------


@pytest.mark.parametrize("kustomization", (*APP.values(), *MIGRATIONS.values()))
def test_every_pod_is_locked_down_and_sized(kustomization):
    objects = kube.render(kustomization)
    pods = kube.workloads(objects)
    assert pods
    for workload in pods:
        name = f"{workload['kind']}/{workload['metadata']['name']}"
        spec = kube.pod_template(workload)["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] != 0, name
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert spec.get("automountServiceAccountToken") is False, name
        tmp_volumes = {volume["name"] for volume in spec["volumes"] if "emptyDir" in volume}
        for container in containers(workload):
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False, name
            assert security["readOnlyRootFilesystem"] is True, name
            assert security["capabilities"]["drop"] == ["ALL"], name
            assert security.get("runAsNonRoot", True) is True and security.get("privileged", False) is False, name
            mounts = {mount["mountPath"]: mount["name"] for mount in container.get("volumeMounts", [])}
            assert mounts.get("/tmp") in tmp_volumes, f"{name}: /tmp is an emptyDir (read-only root filesystem)"
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(container["resources"][kind]), f"{name}: {kind}"
            image = container["image"]
            assert re.fullmatch(r"[\w./-]+(:[\w.-]+|@sha256:[0-9a-f]{64})", image), f"{name}: untagged image {image}"
            assert not image.endswith(":latest"), name


@pytest.mark.parametrize("kustomization", (*APP.values(), *MIGRATIONS.values()))
def test_every_process_runs_the_district_settings(kustomization):
    objects = kube.render(kustomization)
    for workload in kube.workloads(objects):
        for container in containers(workload):
            env = kube.effective_env(container, objects)
            assert env.get("EZH_ENVIRONMENT") == "district", workload["metadata"]["name"]
            settings = validate_settings(resolved(env))
            if "EZH_BROKER_URL" in env:
                assert settings.broker_queue_type == "quorum"
                assert settings.broker_url.startswith("amqp://")


# -- the Deployments ----------------------------------------------------------


def _deployments(kustomization) -> dict[str, dict]:
    return kube.of_kind(kube.render(kustomization), "Deployment")


@pytest.mark.parametrize("kustomization", APP.values())
def test_every_process_has_its_deployment_and_command(kustomization):
    deployments = _deployments(kustomization)
    assert set(deployments) == set(PROCESSES)
    for name in SERVICES:
        assert containers(deployments[name])[0]["command"] == ["python", "-m", f"services.{name}"]
    assert containers(deployments["gateway"])[0]["command"] == [
        "gunicorn", "-c", "gateway/gunicorn.conf.py", "gateway.app:create_app()",
    ]
    for deployment in deployments.values():
        assert "replicas" not in deployment["spec"], "the autoscaler owns the replica count"


@pytest.mark.parametrize("kustomization", APP.values())
def test_services_listen_on_50051_with_grpc_probes(kustomization):
    objects = kube.render(kustomization)
    deployments = kube.of_kind(objects, "Deployment")
    names = grpc_service_names()
    for name in SERVICES:
        container = containers(deployments[name])[0]
        env = kube.effective_env(container, objects)
        assert env[f"EZH_{name.upper()}_GRPC_ADDRESS"] == f"0.0.0.0:{GRPC_PORT}"
        for other in SERVICES:
            if other != name:
                assert env[f"EZH_{other.upper()}_GRPC_ADDRESS"] == f"{other}:{GRPC_PORT}"
        assert {port["containerPort"] for port in container["ports"]} == {GRPC_PORT, METRICS_PORT}
        assert env["EZH_METRICS_ADDRESS"] == f"0.0.0.0:{METRICS_PORT}"
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert container[probe]["grpc"]["port"] == GRPC_PORT, f"{name} {probe}"
        assert container["readinessProbe"]["grpc"]["service"] == names[name]
        # Liveness is the process alone: an outage of the database or the bus must not restart pods.
        assert container["livenessProbe"]["grpc"]["service"] == "liveness"
        # Only its own database: no service reads another's tables.
        databases = {key for key in env if key.endswith("_DATABASE_URL")}
        assert databases == {f"EZH_{name.upper()}_DATABASE_URL"}, name
        assert env[f"EZH_{name.upper()}_DATABASE_URL"] == f"secret:ezh-{name}-database/url"
        assert env["EZH_BROKER_URL"] == "secret:ezh-broker/url"


@pytest.mark.parametrize("kustomization", APP.values())
def test_gateway_probes_healthz_and_readyz(kustomization):
    objects = kube.render(kustomization)
    container = containers(kube.of_kind(objects, "Deployment")["gateway"])[0]
    env = kube.effective_env(container, objects)
    assert env["EZH_GATEWAY_BIND"] == f"0.0.0.0:{GATEWAY_PORT}"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert not any(key.endswith("_DATABASE_URL") or key == "EZH_BROKER_URL" for key in env)


@pytest.mark.parametrize("kustomization", APP.values())
def test_termination_outlasts_the_drain(kustomization):
    objects = kube.render(kustomization)
    for name, deployment in kube.of_kind(objects, "Deployment").items():
        container = containers(deployment)[0]
        settings = validate_settings(resolved(kube.effective_env(container, objects)))
        grace_period = kube.pod_template(deployment)["spec"]["terminationGracePeriodSeconds"]
        if name == "gateway":
            pre_stop = container["lifecycle"]["preStop"]["sleep"]["seconds"]
            # gunicorn's graceful_timeout (gateway/gunicorn.conf.py)
            needed = pre_stop + math.ceil(settings.grpc_deadline_seconds + settings.shutdown_grace_seconds)
        else:
            assert settings.shutdown_drain_seconds >= 1, f"{name}: probes need time to see NOT_SERVING"
            needed = settings.shutdown_drain_seconds + settings.shutdown_grace_seconds
            readiness = container["readinessProbe"]
            assert readiness["periodSeconds"] * readiness["failureThreshold"] <= settings.shutdown_drain_seconds, name
        assert grace_period > needed, f"{name}: terminationGracePeriodSeconds {grace_period} <= {needed}"


# -- per service: Service, HPA, PDB, NetworkPolicy ----------------------------


def _pod_labels(deployment: dict) -> dict[str, str]:
    return kube.pod_template(deployment)["metadata"]["labels"]


@pytest.mark.parametrize("kustomization", APP.values())
def test_every_process_has_a_service_autoscaler_and_disruption_budget(kustomization):
    objects = kube.render(kustomization)
    deployments = kube.of_kind(objects, "Deployment")
    services = kube.of_kind(objects, "Service")
    autoscalers = kube.of_kind(objects, "HorizontalPodAutoscaler")
    budgets = kube.of_kind(objects, "PodDisruptionBudget")
    for name in PROCESSES:
        labels = _pod_labels(deployments[name])
        container_ports = {port["name"] for port in containers(deployments[name])[0]["ports"]}
        service = services[name]
        assert kube.selects({"matchLabels": service["spec"]["selector"]}, labels), f"Service {name}"
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in container_ports, f"Service {name} port {port}"
        if name in SERVICES:
            assert [port["port"] for port in service["spec"]["ports"]] == [GRPC_PORT]
        # No other workload's pods fall under the Service.
        for other in kube.workloads(objects):
            if other is not deployments[name]:
                assert not kube.selects({"matchLabels": service["spec"]["selector"]}, kube.pod_template(other)["metadata"]["labels"])

        hpa = autoscalers[name]
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
        cpu = [m for m in hpa["spec"]["metrics"] if m["type"] == "Resource" and m["resource"]["name"] == "cpu"]
        assert cpu and cpu[0]["resource"]["target"]["type"] == "Utilization", f"HPA {name} scales on CPU"

        budget = budgets[name]
        assert kube.selects(budget["spec"]["selector"], labels), f"PDB {name}"
        assert budget["spec"].get("maxUnavailable") == 1, f"PDB {name}: a single replica can still be drained"


def test_district_runs_at_least_two_of_everything():
    autoscalers = kube.of_kind(kube.render(APP["district"]), "HorizontalPodAutoscaler")
    for name in PROCESSES:
        assert autoscalers[name]["spec"]["minReplicas"] >= 2, name


@pytest.mark.parametrize("service", QUEUE_SCALED)
def test_district_scales_notify_and_reports_on_queue_depth(service):
    hpa = kube.of_kind(kube.render(APP["district"]), "HorizontalPodAutoscaler")[service]
    external = [m["external"] for m in hpa["spec"]["metrics"] if m["type"] == "External"]
    assert len(external) == 1
    metric = external[0]["metric"]
    assert metric["name"] == "rabbitmq_queue_messages_ready"
    assert metric["selector"]["matchLabels"] == {"queue": f"ezh.{service}.events"}
    assert external[0]["target"]["type"] == "AverageValue"


@pytest.mark.parametrize("kustomization", APP.values())
def test_network_policies_allow_exactly_the_call_graph(kustomization):
    objects = kube.render(kustomization)
    policies = list(kube.of_kind(objects, "NetworkPolicy").values())
    namespace = {item["metadata"].get("namespace") for item in objects if item["kind"] != "Namespace"}
    assert len(namespace) == 1
    namespace = namespace.pop()
    pods = {item["metadata"]["name"]: kube.Pod.of(namespace, kube.pod_template(item)["metadata"]["labels"])
            for item in kube.workloads(objects)}
    for job in kube.workloads(kube.render(MIGRATIONS[next(k for k, v in APP.items() if v == kustomization)])):
        pods[job["metadata"]["name"]] = kube.Pod.of(namespace, kube.pod_template(job)["metadata"]["labels"])

    for target in SERVICES:
        for source, pod in pods.items():
            allowed = kube.connection_allowed(policies, pod, pods[target], GRPC_PORT)
            assert allowed == (source in GRPC_CALLERS[target]), f"{source} -> {target}:{GRPC_PORT}"
        for source in pods:
            assert not kube.connection_allowed(policies, pods[source], pods[target], 5432), f"{source} -> {target}:5432"

    controller = kube.Pod.of("ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"})
    stranger = kube.Pod.of("elsewhere", {"app.kubernetes.io/name": "ingress-nginx"})
    assert kube.connection_allowed(policies, controller, pods["gateway"], GATEWAY_PORT)
    assert not kube.connection_allowed(policies, stranger, pods["gateway"], GATEWAY_PORT)
    for name in SERVICES:
        assert not kube.connection_allowed(policies, controller, pods[name], GRPC_PORT), name
    assert not any(kube.connection_allowed(policies, pods[name], pods["gateway"], GATEWAY_PORT) for name in pods)

    dns = kube.Pod.of("kube-system", {"k8s-app": "kube-dns"})
    postgres = kube.Pod.of(namespace, {"cnpg.io/cluster": "ezh-pg"})
    rabbitmq = kube.Pod.of(namespace, {"app.kubernetes.io/name": "ezh-rabbitmq"})
    for source, pod in pods.items():
        assert kube.connection_allowed(policies, pod, dns, 53, "UDP"), f"{source} resolves names"
        uses_datastores = source != "gateway"
        assert kube.connection_allowed(policies, pod, postgres, 5432) == uses_datastores, f"{source} -> PostgreSQL"
        assert kube.connection_allowed(policies, pod, rabbitmq, 5672) == uses_datastores, f"{source} -> RabbitMQ"
        assert not kube.connection_allowed(policies, pod, rabbitmq, 15672), f"{source} -> RabbitMQ management"

    outside_database = kube.Pod.of("somewhere", {"app": "postgres"})
    reaches_outside = kube.connection_allowed(policies, pods["journal"], outside_database, 5432)
    assert reaches_outside == (kustomization == APP["dev"]), "only dev may use a database outside its namespace"


# -- migrations ---------------------------------------------------------------


@pytest.mark.parametrize("environment", MIGRATIONS)
def test_one_migration_job_per_service_with_the_release_image(environment):
    jobs = kube.of_kind(kube.render(MIGRATIONS[environment]), "Job")
    assert set(jobs) == {f"migrate-{name}" for name in SERVICES}
    app = kube.render(APP[environment])
    app_images = {container["image"] for workload in kube.workloads(app) for container in containers(workload)}
    app_namespace = kube.of_kind(app, "Deployment")["gateway"]["metadata"]["namespace"]
    for name in SERVICES:
        job = jobs[f"migrate-{name}"]
        container = containers(job)[0]
        assert container["command"] == ["python", "-m", "services.common.migrate", name]
        env = kube.effective_env(container, kube.render(MIGRATIONS[environment]))
        assert env[f"EZH_{name.upper()}_DATABASE_URL"] == f"secret:ezh-{name}-database/url"
        assert {key for key in env if key.endswith("_DATABASE_URL")} == {f"EZH_{name.upper()}_DATABASE_URL"}
        assert kube.pod_template(job)["spec"]["restartPolicy"] == "Never"
        assert job["spec"]["backoffLimit"] >= 1 and job["spec"]["activeDeadlineSeconds"] > 0
        assert {container["image"]} == app_images, "migrations and the app run the same release"
        assert job["metadata"]["namespace"] == app_namespace


def test_the_app_never_migrates_at_boot():
    for kustomization in APP.values():
        for workload in kube.workloads(kube.render(kustomization)):
            for container in containers(workload):
                assert "services.common.migrate" not in container["command"], workload["metadata"]["name"]


def test_key_rotation_runs_as_a_cronjob():
    rotation = kube.of_kind(kube.render(APP["district"]), "CronJob")["auth-rotate-keys"]
    assert containers(rotation)[0]["command"] == ["python", "-m", "services.auth", "rotate-keys"]
    assert rotation["spec"]["concurrencyPolicy"] == "Forbid"


# -- namespaces ---------------------------------------------------------------


@pytest.mark.parametrize(("first_step", "app"), [(MIGRATIONS["dev"], APP["dev"]), (DATASTORES, APP["district"])])
def test_the_first_step_of_a_rollout_creates_the_namespace(first_step, app):
    namespaces = kube.of_kind(kube.render(first_step), "Namespace")
    assert len(namespaces) == 1
    (name, namespace), = namespaces.items()
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/warn"] == "restricted"
    for kustomization in (first_step, app):
        for item in kube.render(kustomization):
            if item["kind"] != "Namespace":
                assert item["metadata"]["namespace"] == name, f"{item['kind']}/{item['metadata']['name']}"
    assert not kube.of_kind(kube.render(app), "Namespace")


# -- secrets ------------------------------------------------------------------


def _secret_references(objects) -> dict[str, set[str]]:
    """Secret name -> keys referenced (an empty set when the whole Secret is used)."""
    found: dict[str, set[str]] = {}
    for item in objects:
        if item["kind"] in ("Deployment", "Job", "CronJob"):
            spec = kube.pod_template(item)["spec"]
            for volume in spec.get("volumes", []):
                if "secret" in volume:
                    found.setdefault(volume["secret"]["secretName"], set())
            for container in containers(item):
                for env in container.get("env", []):
                    ref = env.get("valueFrom", {}).get("secretKeyRef")
                    if ref:
                        found.setdefault(ref["name"], set()).add(ref["key"])
        elif item["kind"] == "Ingress":
            for tls in item["spec"].get("tls", []):
                found.setdefault(tls["secretName"], {"tls.crt", "tls.key"})
        elif item["kind"] == "Cluster":
            found.setdefault(item["spec"]["bootstrap"]["initdb"]["secret"]["name"], {"username", "password"})
            for role in item["spec"].get("managed", {}).get("roles", []):
                found.setdefault(role["passwordSecret"]["name"], {"username", "password"})
    return found


def test_every_referenced_secret_is_documented_in_the_example():
    examples = secret_examples()
    for kustomization in DEPLOYABLE:
        for name, keys in _secret_references(kube.render(kustomization)).items():
            assert name in examples, f"{kustomization} uses Secret {name}, missing from secret.example.yaml"
            assert keys <= set(examples[name]["stringData"]), f"{name}: {keys}"


def test_no_secret_value_is_committed():
    for kustomization in kube.kustomizations():
        assert not kube.of_kind(kube.render(kustomization), "Secret"), f"{kustomization} renders a Secret"
    for name, secret in secret_examples().items():
        assert "data" not in secret, name
        for key, value in secret["stringData"].items():
            if key != "username":
                assert PLACEHOLDER in value, f"{name}/{key} holds a value, not a placeholder"
    for path in DEPLOY.rglob("*"):
        if path.is_file() and path.suffix in (".yaml", ".yml", ".sh", ".env", ".py", ".md", ""):
            text = path.read_text(errors="replace")
            assert "PRIVATE KEY-----" not in text, path
            if path.name == "kustomization.yaml":
                used = yaml.safe_dump(yaml.safe_load(text))  # without the comments
                assert "secret.example" not in used, f"{path} includes the example Secrets"


def test_secret_example_urls_point_at_the_district_datastores():
    examples = secret_examples()
    cluster = kube.of_kind(kube.render(DATASTORES), "Cluster")["ezh-pg"]
    broker = next(iter(kube.of_kind(kube.render(DATASTORES), "RabbitmqCluster")))
    for name in SERVICES:
        url = urlsplit(examples[f"ezh-{name}-database"]["stringData"]["url"])
        assert url.scheme == "postgresql+psycopg"
        assert url.hostname == f"{cluster['metadata']['name']}-rw", "the primary's Service"
        assert url.username == name and url.path == f"/{name}"
        assert examples[f"ezh-pg-{name}"]["type"] == "kubernetes.io/basic-auth"
        assert examples[f"ezh-pg-{name}"]["stringData"]["username"] == name
    assert urlsplit(examples["ezh-broker"]["stringData"]["url"]).hostname == broker


# -- the data stores (custom resources, checked by hand) -----------------------


def test_datastores_postgres_has_a_database_per_service():
    objects = kube.render(DATASTORES)
    clusters = kube.of_kind(objects, "Cluster")
    assert len(clusters) == 1
    (cluster_name, cluster), = clusters.items()
    spec = cluster["spec"]
    assert spec["instances"] >= 3
    assert spec["storage"]["size"]
    initdb = spec["bootstrap"]["initdb"]
    databases = {initdb["database"]: initdb["owner"]}
    roles = {role["name"]: role for role in spec["managed"]["roles"]}
    for role in roles.values():
        assert role.get("ensure", "present") == "present" and role["login"] is True, role["name"]
        assert role["passwordSecret"]["name"] == f"ezh-pg-{role['name']}"
    assert initdb["secret"]["name"] == f"ezh-pg-{initdb['owner']}"
    for database in kube.of_kind(objects, "Database").values():
        assert database["apiVersion"] == "postgresql.cnpg.io/v1"
        assert database["spec"]["cluster"]["name"] == cluster_name
        assert database["spec"].get("ensure", "present") == "present"
        assert database["spec"]["owner"] in roles, f"{database['spec']['name']}: owner is a managed role"
        databases[database["spec"]["name"]] = database["spec"]["owner"]
    assert databases == {name: name for name in SERVICES}, "one database per service, owned by its own role"


def test_datastores_rabbitmq_is_three_nodes_with_quorum_queues():
    clusters = kube.of_kind(kube.render(DATASTORES), "RabbitmqCluster")
    assert len(clusters) == 1
    spec = next(iter(clusters.values()))["spec"]
    assert spec["replicas"] == 3
    config = dict(
        (key.strip(), value.strip())
        for key, _, value in (line.partition("=") for line in spec["rabbitmq"]["additionalConfig"].splitlines())
        if key.strip()
    )
    assert config["cluster_partition_handling"] == "pause_minority"
    assert config["default_queue_type"] == "quorum"
    # The queue-depth metric of the autoscalers is per queue.
    assert config["prometheus.return_per_object_metrics"] == "true"


def test_district_egress_names_the_datastores_that_exist():
    objects = kube.render(DATASTORES)
    cluster = next(iter(kube.of_kind(objects, "Cluster")))
    broker = next(iter(kube.of_kind(objects, "RabbitmqCluster")))
    egress = kube.of_kind(kube.render(APP["district"]), "NetworkPolicy")["ezh-datastores-egress"]["spec"]["egress"]
    selectors = [peer["podSelector"]["matchLabels"] for rule in egress for peer in rule["to"]]
    assert {"cnpg.io/cluster": cluster} in selectors
    assert {"app.kubernetes.io/name": broker} in selectors


def test_manifests_are_plain_yaml_files():
    for path in K8S.rglob("*"):
        if path.is_file():
            assert path.suffix == ".yaml" or path.name == "config.env", f"unexpected file {path}"


@pytest.mark.parametrize("kustomization", APP.values())
def test_attachments_outlive_a_pod_on_a_volume_every_replica_shares(kustomization):
    """The journal's homework files and notify's message attachments live under EZH_DATA_DIR: a
    ReadWriteMany claim, one folder per service, never the pod's memory-backed /tmp."""
    objects = kube.render(kustomization)
    deployments = kube.of_kind(objects, "Deployment")
    claims = kube.of_kind(objects, "PersistentVolumeClaim")
    for name in ("journal", "notify"):
        spec = kube.pod_template(deployments[name])["spec"]
        container = spec["containers"][0]
        data_dir = kube.effective_env(container, objects)["EZH_DATA_DIR"]
        mount = next(mount for mount in container["volumeMounts"] if data_dir.startswith(mount["mountPath"]))
        assert mount.get("subPath") == name and not mount.get("readOnly")
        volume = next(volume for volume in spec["volumes"] if volume["name"] == mount["name"])
        claim = claims[volume["persistentVolumeClaim"]["claimName"]]
        assert claim["spec"]["accessModes"] == ["ReadWriteMany"], name
