"""The organisation as data (country, region, branch, team, person) and who may see what in it."""
