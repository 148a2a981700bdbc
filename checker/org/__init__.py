"""The whole organisation: which repositories are in scope, as GitHub Actions matrix chunks."""
