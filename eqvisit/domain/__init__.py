"""Plain enums, value objects and rules of the visit domain. Imports nothing of ours but errors."""
