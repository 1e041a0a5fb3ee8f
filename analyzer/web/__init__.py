"""`consentry serve`: the lab's web dashboard and JSON API over the store (docs/dashboard.md)."""
