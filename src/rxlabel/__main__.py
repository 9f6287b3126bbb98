from rxlabel.cli import main

main()
