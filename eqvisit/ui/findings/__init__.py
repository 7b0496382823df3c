"""The Findings section: findings and their evidence, the roll-up by domain, the action plan."""
