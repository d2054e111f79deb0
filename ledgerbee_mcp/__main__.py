from ledgerbee_mcp.cli import main

raise SystemExit(main())
