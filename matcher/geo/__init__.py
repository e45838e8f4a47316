"""Geography: reference tables, distances, location resolution and location features."""
