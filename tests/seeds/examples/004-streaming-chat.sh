# seed: 004_8b0cbc465919612f.txt
# base-url: https://ai-gateway.vercel.sh
# key-env: AI_GATEWAY_API_KEY
# answer: Mock answer to "Write a one-sentence bedtime story about a unicorn.".
curl -X POST "https://ai-gateway.vercel.sh/v1/chat/completions" \
  -H "Authorization: Bearer $AI_GATEWAY_API_KEY" \
  -H "Content-Type: application/json" \
  -d '{
    "model": "anthropic/claude-sonnet-4",
    "messages": [
      {
        "role": "user",
        "content": "Write a one-sentence bedtime story about a unicorn."
      }
    ],
    "stream": true
  }' \
  --no-buffer
