"""`python -m pbrlab` runs the command line."""

from pbrlab.cli.main import main

if __name__ == "__main__":
    main()
