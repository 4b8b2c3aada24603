"""``python -m reviewflow``: the demonstration quarter (see :mod:`reviewflow.demo`)."""

from reviewflow.demo import main

raise SystemExit(main())
