"""The commissioner's side: how it buys delivery (tenders, services) and manages providers."""
