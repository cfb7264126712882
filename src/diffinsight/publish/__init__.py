"""Publishing: where report files go (plan), and writing them so that nothing is ever half-written."""

from diffinsight.publish.files import (
    Checkpoint,
    atomic_write,
    check_writable,
    file_mode,
    output_path,
    safe_component,
    write_all,
)
from diffinsight.publish.plan import PlannedFile, PublishPlan, WriteResult, plan_files, write_plan

__all__ = [
    "Checkpoint",
    "PlannedFile",
    "PublishPlan",
    "WriteResult",
    "atomic_write",
    "check_writable",
    "file_mode",
    "output_path",
    "plan_files",
    "safe_component",
    "write_all",
    "write_plan",
]
