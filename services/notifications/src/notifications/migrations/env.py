from huntaze_service.migrations import run_env

run_env()
