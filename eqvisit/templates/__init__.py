"""Interview templates: schema, loader, validator, conditions, versions, XLSX import, framework.

Import from the modules themselves (``eqvisit.templates.schema`` …). The package re-exports
nothing: importing any one of them, as every start of the app does for the schema, would
otherwise load YAML, XLSX and every other reader with it.
"""
