enum _PlaceholderXietongStore {}
