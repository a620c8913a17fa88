enum _PlaceholderXietongHub {}
