"""Interview templates: schema, loader and validator, conditions, versions, XLSX import, framework."""
