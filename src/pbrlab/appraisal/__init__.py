"""Options appraisal: commissioning options side by side on the same population and economy."""
