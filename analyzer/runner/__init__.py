"""Device sessions: the runner that spawns the app with hooks, drives consent and records it all."""
