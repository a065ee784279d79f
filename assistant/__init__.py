"""Hip-flexor (iliopsoas) question answering: cited passages from our articles."""
