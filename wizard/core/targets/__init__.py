"""Where records go. Every destination implements :class:`Target`; the sandbox is built in."""

from wizard.core.targets.base import Target, WriteResult, column_for
from wizard.core.targets.sandbox import SandboxTarget

__all__ = ["SandboxTarget", "Target", "WriteResult", "column_for"]
