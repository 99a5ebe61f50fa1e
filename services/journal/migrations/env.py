from services.common.migrations import run_env
from services.journal.store import metadata

run_env(metadata)
