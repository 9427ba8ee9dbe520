"""Offramp's Qt front end. The only package that imports Qt; it renders what offramp.core decides."""
