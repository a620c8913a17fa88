enum _PlaceholderXietongTesting {}
