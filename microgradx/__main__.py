"""`python -m microgradx ...`: the same as the `microgradx` command."""

from .cli import main

raise SystemExit(main())
