"""The public HTTP entry of ezh: a Flask app in front of the gRPC services."""
from gateway.app import create_app

__all__ = ["create_app"]
