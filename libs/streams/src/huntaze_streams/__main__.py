from huntaze_streams.cli import main

main()
