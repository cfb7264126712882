"""Publishing: where report files go, and writing them so that nothing is ever half-written."""

from diffinsight.publish.files import (
    atomic_write,
    check_writable,
    file_mode,
    output_path,
    safe_component,
    write_all,
)

__all__ = [
    "atomic_write",
    "check_writable",
    "file_mode",
    "output_path",
    "safe_component",
    "write_all",
]
