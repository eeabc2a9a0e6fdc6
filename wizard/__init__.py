"""Cutover Wizard: a safe, phased CRM migration, rehearsed in a sandbox first."""

__version__ = "0.1.0"
