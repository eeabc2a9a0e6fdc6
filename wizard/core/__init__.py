"""The whole migration engine, with no Qt: readers, blueprint, plan, validation, phases."""
