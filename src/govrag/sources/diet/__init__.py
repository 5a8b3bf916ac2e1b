"""The National Diet minutes (国会会議録): NDL API client, response parser, speech chunks, query hints."""
