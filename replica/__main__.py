"""python -m replica: serve the replica sites (see replica.server.main)."""

import sys

from replica.server import main

sys.exit(main())
