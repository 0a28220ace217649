import sys

from infra.preview.cli import main

sys.exit(main())
