import sys

from plasticnets.cli import main

sys.exit(main())
