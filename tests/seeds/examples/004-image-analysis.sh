# seed: 004_8b0cbc465919612f.txt
# base-url: https://ai-gateway.vercel.sh
# key-env: AI_GATEWAY_API_KEY
# answer: Mock answer to "Describe this image in detail.".
# First, convert your image to base64
IMAGE_BASE64=$(base64 -i ./path/to/image.png)

curl -X POST "https://ai-gateway.vercel.sh/v1/chat/completions" \
  -H "Authorization: Bearer $AI_GATEWAY_API_KEY" \
  -H "Content-Type: application/json" \
  -d '{
    "model": "anthropic/claude-sonnet-4",
    "messages": [
      {
        "role": "user",
        "content": [
          {
            "type": "text",
            "text": "Describe this image in detail."
          },
          {
            "type": "image_url",
            "image_url": {
              "url": "data:image/png;base64,'"$IMAGE_BASE64"'",
              "detail": "auto"
            }
          }
        ]
      }
    ],
    "stream": false
  }'
