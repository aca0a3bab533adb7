"""The commissioner's side: how it manages the providers it has bought."""
