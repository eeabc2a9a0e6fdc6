"""Recognition: what a set of exports holds, decided from the values as well as the headers.

One pipeline, called the same way by the GUI and the CLI (``build_plan``): profile every
column from its values, detect each table's entity, match columns to fields, infer the links
between tables from the values, and build the plan. Headers are evidence, not the whole story.
"""
