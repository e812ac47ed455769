from deepprove_cli.cli import main

main()
