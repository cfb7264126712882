from diffinsight.cli import main

main()
