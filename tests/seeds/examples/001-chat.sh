# seed: 001_a8b974957c295d57.txt
# base-url: https://api.claudexia.tech
# key: sk_cdx_YOUR_KEY
# answer: Mock answer to "Hello!".
curl https://api.claudexia.tech/v1/chat/completions \
  -H "Content-Type: application/json" \
  -H "Authorization: Bearer sk_cdx_YOUR_KEY" \
  -d '{
    "model": "claude-sonnet-4.5",
    "max_tokens": 1024,
    "messages": [
      {"role": "system", "content": "You are a helpful assistant."},
      {"role": "user", "content": "Hello!"}
    ]
  }'
