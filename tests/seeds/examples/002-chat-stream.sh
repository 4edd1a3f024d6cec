# seed: 002_e45fbedcf4e2fc14.txt
# base-url: https://api.aiohub.org
# key: sk-your-api-key
# answer: Mock answer to "Hello!".
curl https://api.aiohub.org/v1/chat/completions \
  -H "Authorization: Bearer sk-your-api-key" \
  -H "Content-Type: application/json" \
  -d '{
    "model": "gpt-4o",
    "messages": [{"role": "user", "content": "Hello!"}],
    "stream": true
  }'
