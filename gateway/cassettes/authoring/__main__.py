from gateway.cassettes.authoring.generate import main

main()
