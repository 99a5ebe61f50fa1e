from services.common.migrations import run_env
from services.schedule.store import metadata

run_env(metadata)
