from services.common.migrations import run_env
from services.notify.store import metadata

run_env(metadata)
