"""Dash pages: one module per page holding its layout and callbacks."""
