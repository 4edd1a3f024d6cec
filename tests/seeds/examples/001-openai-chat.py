# seed: 001_a8b974957c295d57.txt
# base-url: https://api.claudexia.tech
# key: sk_cdx_YOUR_KEY
# shows: Mock answer to "Explain quantum computing in one paragraph.".
from openai import OpenAI

client = OpenAI(
    api_key="sk_cdx_YOUR_KEY",
    base_url="https://api.claudexia.tech/v1",
)

response = client.chat.completions.create(
    model="claude-sonnet-4.5",
    max_tokens=1024,
    messages=[
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "Explain quantum computing in one paragraph."},
    ],
)

print(response.choices[0].message.content)
