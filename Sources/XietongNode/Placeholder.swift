enum _PlaceholderXietongNode {}
