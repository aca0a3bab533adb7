"""The market: the organisations that could deliver, and how the commissioner buys from them."""
