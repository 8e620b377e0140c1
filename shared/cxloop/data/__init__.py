"""Default data of the comment analyser: taxonomy.json and sentiment_lexicon.json."""
