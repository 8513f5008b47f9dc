"""`python -m warehouse.upload run-job JOB`: the background runner the upload page starts (warehouse.upload.runner)."""

import sys

from warehouse.upload.runner import main

sys.exit(main())
