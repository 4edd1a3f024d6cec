# seed: 003_0c3af6821ee45bd1.txt
# base-url: https://YOUR-HOST
# key: afk-YOUR_KEY
# answer: Mock answer to "hi".
curl https://YOUR-HOST/v1/messages \
  -H "x-api-key: afk-YOUR_KEY" \
  -H "anthropic-version: 2023-06-01" \
  -H "Content-Type: application/json" \
  -d '{
    "model": "claude-3-5-sonnet-20241022",
    "max_tokens": 1024,
    "messages": [{"role": "user", "content": "hi"}]
  }'
