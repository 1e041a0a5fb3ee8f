"""consentry: flags personal data an app sends without the user's consent."""

__version__ = "0.1.0"
