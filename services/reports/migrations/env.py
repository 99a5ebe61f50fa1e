from services.common.migrations import run_env
from services.reports.store import metadata

run_env(metadata)
