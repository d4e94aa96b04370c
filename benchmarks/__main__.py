import sys

if sys.argv[1:2] == ["shared_budget"]:
    from benchmarks.shared_budget import cli

    sys.exit(cli(sys.argv[2:]))

from benchmarks.run import main

sys.exit(main())
